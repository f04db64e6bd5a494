#[autopsy::trace]
const fn constant() -> u32 {
    1
}

fn main() {}
