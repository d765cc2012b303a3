struct Filter;

#[qh::endpoint(method = "GET")]
fn search(#[query] filter: Filter) -> String {
    let Filter = filter;
    String::new()
}

fn main() {}
