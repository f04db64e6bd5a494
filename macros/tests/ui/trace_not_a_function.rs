#[autopsy::trace]
mod helpers {}

fn main() {}
