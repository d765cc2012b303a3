struct Report;

#[qh::endpoint(task)]
async fn report() -> Result<Report, String> {
    Ok(Report)
}

fn main() {}
