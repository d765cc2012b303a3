// An error type that is `Serialize` but not `IntoResponse` must not be
// answered as `{"Err": …}` with status 200.
#[derive(serde::Serialize)]
struct Oops {
    code: u32,
}

#[qh::endpoint]
fn risky(x: i64) -> Result<i64, Oops> {
    if x < 0 {
        Err(Oops { code: 1 })
    } else {
        Ok(x)
    }
}

fn main() {
    let _app: axum::Router = qh::routes![risky];
}
