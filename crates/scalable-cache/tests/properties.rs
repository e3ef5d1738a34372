//! Properties of the canonical encoding and of keys: what makes a key stable
//! (order of dict entries and set members, integer spelling) and what makes
//! it distinct (any difference in value, kind or part).

use proptest::prelude::*;
use scalable_cache::{ArgKind, ArgPart, Digest, FORMAT_VERSION, FunctionPart, KeyParts, Value};

/// Values without dicts or sets (whose equality is order-free) and with
/// finite floats, so structural equality is exact equality.
fn plain() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(Value::Float),
        ".{0,12}".prop_map(Value::Str),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(Value::Bytes),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(Value::Opaque),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::List),
            proptest::collection::vec(inner, 0..4).prop_map(Value::Tuple),
        ]
    })
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        _ => a == b,
    }
}

proptest! {
    #[test]
    fn encoding_is_injective(a in plain(), b in plain()) {
        prop_assert_eq!(a.encode() == b.encode(), same(&a, &b));
    }

    #[test]
    fn encoding_is_deterministic(a in plain()) {
        prop_assert_eq!(a.encode(), a.clone().encode());
    }

    #[test]
    fn dict_and_set_order_does_not_matter(
        entries in proptest::collection::btree_map(".{0,6}", plain(), 0..6),
        rotate in 0usize..6,
    ) {
        let mut pairs: Vec<(Value, Value)> =
            entries.into_iter().map(|(k, v)| (Value::Str(k), v)).collect();
        let forward = Value::Dict(pairs.clone()).encode();
        let n = pairs.len().max(1);
        pairs.rotate_left(rotate % n);
        pairs.reverse();
        prop_assert_eq!(Value::Dict(pairs.clone()).encode(), forward);
        let keys: Vec<Value> = pairs.iter().map(|(k, _)| k.clone()).collect();
        let mut reversed = keys.clone();
        reversed.reverse();
        prop_assert_eq!(Value::Set(keys).encode(), Value::Set(reversed).encode());
    }

    #[test]
    fn integers_encode_alike_however_they_arrive(n in any::<i64>()) {
        prop_assert_eq!(Value::Int(n).encode(), Value::BigInt(n.to_string()).encode());
    }

    #[test]
    fn keys_are_stable_and_every_part_counts(
        name in "[a-z_]{1,10}",
        source in any::<[u8; 32]>(),
        args in proptest::collection::vec(("[a-z]{1,6}", any::<[u8; 32]>()), 0..5),
        image in proptest::option::of("[a-z0-9./:-]{1,20}"),
        which in any::<usize>(),
    ) {
        let parts = KeyParts {
            version: FORMAT_VERSION,
            function: FunctionPart { name: name.clone(), source: Digest(source) },
            args: args
                .iter()
                .map(|(n, d)| ArgPart {
                    name: n.clone(),
                    kind: ArgKind::Value,
                    digest: Digest(*d),
                    shown: None,
                    listing: None,
                })
                .collect(),
            image,
        };
        let key = parts.key();
        // The same parts, even through JSON (as stored in an entry), give the same key.
        let json = serde_json::to_string(&parts).unwrap();
        let back: KeyParts = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back.key(), key);
        // Changing one digest changes the key.
        let mut changed = parts.clone();
        if changed.args.is_empty() {
            changed.function.source.0[which % 32] ^= 1;
        } else {
            let i = which % changed.args.len();
            changed.args[i].digest.0[which % 32] ^= 1;
        }
        prop_assert_ne!(changed.key(), key);
    }
}
