//! Rebuild when bundled rules or schemas change: they are embedded with `include_dir!`.
fn main() {
    println!("cargo:rerun-if-changed=rules");
    println!("cargo:rerun-if-changed=schemas");
}
