#[autopsy::trace(verbose)]
fn helper() {}

fn main() {}
