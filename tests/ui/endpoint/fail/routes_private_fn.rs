mod api {
    #[qh::endpoint]
    fn secret() {}
}

fn main() {
    let _: axum::Router = qh::routes![api::secret];
}
