struct Service;

impl Service {
    #[qh::endpoint]
    fn ping() {}
}

fn main() {}
