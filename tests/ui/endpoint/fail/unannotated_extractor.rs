use axum::extract::State;

#[qh::endpoint]
fn hello(state: State<()>, name: String) -> String {
    let State(()) = state;
    name
}

fn main() {}
