//! (2) Overlay merge laws on YAML trees.

use super::*;

pub(crate) fn pos() -> Pos {
    Pos {
        line: 1,
        column: 1,
        len: 1,
    }
}

pub(crate) fn scalar_node() -> impl Strategy<Value = Node> {
    (
        prop_oneof![
            "[a-z0-9]{0,4}",
            Just("true".to_string()),
            Just("~".to_string())
        ],
        any::<bool>(),
        1usize..50,
    )
        .prop_map(|(text, plain, line)| Node {
            kind: Kind::Scalar(Scalar {
                text,
                plain,
                secret: false,
                broken: false,
            }),
            pos: Pos {
                line,
                column: 1,
                len: 1,
            },
        })
}

pub(crate) fn map_node(entries: BTreeMap<String, Node>, line: usize) -> Node {
    Node {
        kind: Kind::Map(Arc::new(
            entries
                .into_iter()
                .map(|(k, v)| (Node::string(k, true, pos()), v))
                .collect(),
        )),
        pos: Pos {
            line,
            column: 1,
            len: 1,
        },
    }
}

/// YAML trees; keys come from a small set so base and overlay share many.
pub(crate) fn tree() -> impl Strategy<Value = Node> {
    scalar_node().prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            (
                prop::collection::btree_map("[a-e]", inner.clone(), 0..5),
                1usize..50
            )
                .prop_map(|(entries, line)| map_node(entries, line)),
            prop::collection::vec(inner, 0..4).prop_map(|items| Node {
                kind: Kind::Seq(Arc::new(items)),
                pos: pos(),
            }),
        ]
    })
}

pub(crate) fn map_tree() -> impl Strategy<Value = Node> {
    (
        prop::collection::btree_map("[a-e]", tree(), 0..5),
        1usize..50,
    )
        .prop_map(|(entries, line)| map_node(entries, line))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn merging_an_empty_mapping_is_identity(x in map_tree()) {
        let empty = Node::empty_map(pos());
        prop_assert_eq!(merge(&x, &empty).to_json(), x.to_json());
        // And onto an empty mapping, the overlay is what you get.
        prop_assert_eq!(merge(&empty, &x).to_json(), x.to_json());
    }

    #[test]
    fn merging_is_idempotent(x in tree(), o in tree()) {
        let once = merge(&x, &o);
        prop_assert_eq!(merge(&once, &o).to_json(), once.to_json());
        prop_assert_eq!(merge(&x, &x).to_json(), x.to_json());
    }

    #[test]
    fn overlay_wins_and_nothing_is_lost(x in map_tree(), o in map_tree()) {
        let merged = merge(&x, &o).to_json();
        let (xj, oj) = (x.to_json(), o.to_json());
        let m = merged.as_object().unwrap();
        // Keys: those of the base, then the overlay's new ones.
        let mut keys: Vec<&String> = xj.as_object().unwrap().keys().collect();
        keys.extend(oj.as_object().unwrap().keys());
        keys.sort();
        keys.dedup();
        prop_assert_eq!(m.keys().collect::<Vec<_>>(), keys);
        for (k, v) in m {
            match (xj.get(k), oj.get(k)) {
                (Some(b), None) => prop_assert_eq!(v, b),
                (None, Some(ov)) => prop_assert_eq!(v, ov),
                // Only mappings merge; the overlay replaces anything else.
                (Some(b), Some(ov)) if !(b.is_object() && ov.is_object()) => prop_assert_eq!(v, ov),
                _ => {}
            }
        }
        // The merged mapping keeps the base's position (diagnostics point there).
        prop_assert_eq!(merge(&x, &o).pos, x.pos);
    }

    #[test]
    fn a_non_mapping_overlay_replaces(x in tree(), o in scalar_node()) {
        prop_assert_eq!(merge(&x, &o), o);
    }
}
