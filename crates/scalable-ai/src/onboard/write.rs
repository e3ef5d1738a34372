//! Files `init-component` writes: the component file and, when asked,
//! `Dockerfile.scalable`. Each is written to a temp file beside its target
//! and renamed over it, so a crash leaves the old file or the new one.

use std::io::Write;
use std::path::Path;

use super::{OnboardError, Onboarding, component, container};

/// The Dockerfile template (`templates/Dockerfile.scalable.j2`).
pub const DOCKERFILE_TEMPLATE: &str = include_str!("../../templates/Dockerfile.scalable.j2");

/// The `Dockerfile.scalable` for a Python package: the template's
/// `python:3.11-slim` (or the floor's, if newer) installing the package and
/// its `requirements.txt`.
pub fn dockerfile_text(o: &Onboarding) -> String {
    let requirements = (o.dependencies.source.as_deref() == Some("requirements.txt"))
        .then_some("requirements.txt");
    let env = minijinja::Environment::new();
    let context = minijinja::context! {
        name => &o.name,
        mode => &o.mode,
        image => &o.image.reference,
        base => container::template_image(o.language.floor.as_deref()),
        requirements => requirements,
        env => component::data_env(&o.name),
    };
    // The template is ours and fixed; a render error is a bug caught by tests.
    env.render_str(DOCKERFILE_TEMPLATE, context)
        .unwrap_or_else(|e| format!("# template error: {e}\n"))
}

/// Writes `bytes` to `path` atomically. Without `force`, an existing file
/// is never replaced, even one created since it was checked.
pub fn write_file(path: &Path, bytes: &[u8], force: bool) -> Result<(), OnboardError> {
    let failed = |e: std::io::Error| OnboardError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".scalable-tmp");
    // A temp file is private (0600); the file it becomes is shared like any
    // other the user writes (0666 less the umask).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(failed)?;
    tmp.write_all(bytes).map_err(failed)?;
    tmp.as_file().sync_all().map_err(failed)?;
    if force {
        tmp.persist(path).map_err(|e| failed(e.error))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                OnboardError::Exists {
                    path: path.to_path_buf(),
                }
            } else {
                failed(e.error)
            }
        })?;
    }
    Ok(())
}
