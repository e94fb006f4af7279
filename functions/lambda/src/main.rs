//! `appgen-lambda`: the appgen HTTP API under AWS Lambda. Only wiring: the parts are in the
//! library (`lib.rs`) and in `appgen`'s.

fn main() -> anyhow::Result<()> {
    appgen::init_tracing(true);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(appgen_lambda::run())
}
