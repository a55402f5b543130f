//! `key generate`: a minisign key pair to sign exports with (DESIGN section 12).

use crate::context::Context;
use crate::error::Result;
use crate::report::Answer;
use crate::wire::SCHEMA;
use std::path::Path;

/// Writes `DIR/rbee-workers.key` (mode 0600) and `DIR/rbee-workers.pub`, default DIR
/// `$XDG_CONFIG_HOME/rbee-workers/keys`, and prints both paths and the public key.
pub fn generate(cx: &Context, out: Option<&Path>) -> Result<Answer> {
    let dir = out.map_or_else(|| cx.dirs.config.join("keys"), Path::to_path_buf);
    let (secret, public) = crate::sign::generate(&dir)?;
    let key = crate::sign::public_key(&public.display().to_string())?;
    let doc = serde_json::json!({
        "schema": SCHEMA,
        "secret_key": secret,
        "public_key": public,
        "key": key,
    });
    Ok(Answer::new(
        &doc,
        format!(
            "secret key: {}\npublic key: {}\n",
            secret.display(),
            public.display()
        ),
    )
    .note(format!(
        "sign with `rbee-workers export DIR --sign {}`; users pin `--key {key}` (keep the secret key secret: it is not encrypted)",
        secret.display()
    )))
}
