fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    // Read at run time: a path compiled into the build script would point at
    // another checkout when several share one target directory.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR")?;
    let proto_dir = std::path::Path::new(&manifest_dir).join("../../proto");
    let proto_file = proto_dir.join("sluice.proto");
    println!("cargo:rerun-if-changed={}", proto_file.display());
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc);
    tonic_prost_build::configure().compile_with_config(config, &[proto_file], &[proto_dir])?;
    Ok(())
}
