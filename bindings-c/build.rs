//! Gives libseawall.so its SONAME, `libseawall.so.<major>` (0 while the
//! version is 0.x): programs linked against it depend on that name, and a
//! release that breaks the ABI bumps it.
fn main() {
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" || os == "freebsd" || os == "netbsd" || os == "openbsd" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libseawall.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
