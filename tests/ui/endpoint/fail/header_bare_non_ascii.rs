#[qh::endpoint]
fn size(#[header] größe: String) -> String {
    größe
}

fn main() {}
