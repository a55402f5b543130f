fn main() -> std::process::ExitCode {
    llm_worker_rbee::run("metal")
}
