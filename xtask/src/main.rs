//! `cargo xtask`: build orchestration.
fn main() -> anyhow::Result<()> {
    Ok(())
}
