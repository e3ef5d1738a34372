//! Dotted paths into the manifest (`components.demeter.memory`).

/// `parent.key`, or `key` at the root.
/// Keys that are not plain identifiers (mount paths, say) are quoted:
/// `components.demeter.mounts["./data"]`.
pub fn child(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (parent.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{parent}.{key}"),
        (_, false) => format!("{parent}[{}]", serde_json::Value::from(key)),
    }
}
