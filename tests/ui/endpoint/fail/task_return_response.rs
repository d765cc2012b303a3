// An `IntoResponse` value cannot be stored as a task's result.
#[qh::endpoint(task)]
fn page() -> axum::response::Html<&'static str> {
    axum::response::Html("<p>hi</p>")
}

fn main() {}
