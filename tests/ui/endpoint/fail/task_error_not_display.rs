#[derive(Debug)]
struct Oops;

#[qh::endpoint(task)]
async fn report(n: u64) -> Result<u64, Oops> {
    if n == 0 {
        return Err(Oops);
    }
    Ok(n)
}

fn main() {}
