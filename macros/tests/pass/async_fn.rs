// `async fn` tests run on autopsy's small executor when no runtime is named.

#[autopsy::test]
async fn asynchronous() {
    let value = async { 2 }.await;
    assert_eq!(value, 2);
}

#[autopsy::test]
async fn async_result() -> Result<(), String> {
    let n: u8 = "7".parse().map_err(|e| format!("{e}"))?;
    assert_eq!(n, 7);
    Ok(())
}

autopsy::main!();
