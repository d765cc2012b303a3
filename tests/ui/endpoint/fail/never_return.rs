#[qh::endpoint]
fn unfinished() -> ! {
    panic!("later")
}

fn main() {}
