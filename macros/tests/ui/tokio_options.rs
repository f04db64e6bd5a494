#[autopsy::test]
#[tokio::test(worker_threads = 2)]
async fn threads_without_multi_thread() {}

#[autopsy::test]
#[tokio::test(flavor = "multi_thread", start_paused = true)]
async fn paused_multi_thread() {}

#[autopsy::test]
#[tokio::test(flavour = "current_thread")]
async fn misspelt() {}

autopsy::main!();
