// Both types of a `Result` cannot answer: each is underlined, once.
struct Report;
struct Oops;

#[qh::endpoint]
fn both(x: i64) -> Result<Report, Oops> {
    if x < 0 {
        Err(Oops)
    } else {
        Ok(Report)
    }
}

// An alias hides `E`: the whole return type is underlined.
type Answer<T> = Result<T, Oops>;

#[qh::endpoint]
fn aliased(x: i64) -> Answer<i64> {
    if x < 0 {
        Err(Oops)
    } else {
        Ok(x)
    }
}

// A response in `Ok` with an error that cannot answer: only `E` is wrong.
#[qh::endpoint]
fn created(x: i64) -> Result<(axum::http::StatusCode, axum::Json<i64>), Oops> {
    if x < 0 {
        Err(Oops)
    } else {
        Ok((axum::http::StatusCode::CREATED, axum::Json(x)))
    }
}

fn main() {}
