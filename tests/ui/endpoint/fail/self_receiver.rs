struct Service;

impl Service {
    #[qh::endpoint]
    fn ping(&self) {}
}

fn main() {}
