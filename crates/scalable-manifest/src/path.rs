//! Dotted paths into the manifest (`components.demeter.memory`).

/// `parent.key`, or `key` at the root.
/// Keys that are not plain identifiers (mount paths, say) are quoted:
/// `components.demeter.mounts["./data"]`.
pub fn child(parent: &str, key: &str) -> String {
    // Called for every value checked: built by hand, `format!` costs several
    // times more.
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if plain {
        let mut path = String::with_capacity(parent.len() + 1 + key.len());
        if !parent.is_empty() {
            path.push_str(parent);
            path.push('.');
        }
        path.push_str(key);
        path
    } else {
        let quoted = serde_json::to_string(key).unwrap_or_default();
        let mut path = String::with_capacity(parent.len() + quoted.len() + 2);
        path.push_str(parent);
        path.push('[');
        path.push_str(&quoted);
        path.push(']');
        path
    }
}

#[cfg(test)]
mod tests {
    use super::child;

    #[test]
    fn paths() {
        assert_eq!(child("", "components"), "components");
        assert_eq!(child("components", "demeter"), "components.demeter");
        assert_eq!(child("m", "./data"), r#"m["./data"]"#);
        assert_eq!(child("", "a b"), r#"["a b"]"#);
        assert_eq!(child("m", ""), r#"m[""]"#);
        assert_eq!(child("m", "é\"\n"), r#"m["é\"\n"]"#);
    }
}
