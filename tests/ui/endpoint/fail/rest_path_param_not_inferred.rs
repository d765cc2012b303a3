// Only `id`, `*_id` and `key` become path segments.
#[qh::endpoint(rest)]
fn get_page(#[path] slug: String) -> String {
    slug
}

fn main() {}
