//! Every kind of value `p` prints, checked against the fixture's own `{:?}`.

use super::*;

#[test]
fn integers_floats_bools_chars_and_unit_print_as_debug() {
    let (_, got) = check_values(
        "values::scalars",
        &[
            "i8_min",
            "i8_max",
            "i16_min",
            "i32_min",
            "i64_min",
            "i128_min",
            "i128_max",
            "u8_max",
            "u16_max",
            "u32_max",
            "u64_max",
            "u128_max",
            "isize_min",
            "usize_max",
            "f_sum",
            "f_big",
            "f_nan",
            "f_neg_zero",
            "f_one",
            "f_tiny",
            "f_inf",
            "f32_third",
            "yes",
            "no",
            "ch",
            "ch_newline",
            "ch_quote",
            "ch_dquote",
            "ch_accent",
            "ch_crab",
            "ch_nul",
            "unit",
        ],
    );
    // And spelled out, in case the fixture's output were ever lost.
    for (name, want) in [
        ("i128_min", "-170141183460469231731687303715884105728"),
        ("u128_max", "340282366920938463463374607431768211455"),
        ("f_sum", "0.30000000000000004"),
        ("f_big", "1e100"),
        ("f_nan", "NaN"),
        ("f_neg_zero", "-0.0"),
        ("f32_third", "0.33333334"),
        ("ch_newline", r"'\n'"),
        ("ch_quote", r"'\''"),
        ("ch_accent", "'é'"),
        ("unit", "()"),
    ] {
        assert_eq!(got[name], want, "p {name}");
    }
}

#[test]
fn tuples_arrays_strings_and_collections_print_as_debug() {
    let (_, got) = check_values(
        "values::sequences",
        &[
            "tuple",
            "one_tuple",
            "nested",
            "arr",
            "empty_arr",
            "grid",
            "slice",
            "text",
            "empty_str",
            "owned",
            "v",
            "empty_vec",
            "names",
            "dq",
            "hm",
            "hs",
            "bm",
            "big_bm",
            "bs",
        ],
    );
    assert_eq!(
        got["text"],
        r#""tab\there \"quoted\" back\\slash\nnew é \u{7f} \u{200b}""#
    );
    // pushed 2, 3 at the back and 1, 0 at the front: wrapped around.
    assert_eq!(got["dq"], "[0, 1, 2, 3]");
    assert_eq!(got["bs"], "{'e', 'h', 'l', 'o'}");
    assert_eq!(got["one_tuple"], "(5,)");
}

#[test]
fn smart_pointers_and_cells_print_as_debug() {
    let (_, got) = check_values(
        "values::pointers",
        &[
            "cfg",
            "boxed",
            "boxed_cfg",
            "rc",
            "rc2",
            "rc_cfg",
            "arc",
            "arc_cfg",
            "cell",
            "refcell",
            "r",
            "rr",
            "num_ref",
        ],
    );
    assert_eq!(
        got["cfg"],
        r#"Config { timeout: 30, name: "batch", tags: ["nightly", "eu"] }"#
    );
    assert_eq!(got["cell"], "Cell { value: 7 }");
    assert_eq!(got["refcell"], "RefCell { value: [1, 2] }");
}

#[test]
fn options_results_enums_and_structs_print_as_debug() {
    let (_, got) = check_values(
        "values::enums",
        &[
            "some",
            "none",
            "some_ref",
            "none_ref",
            "some_char",
            "none_char",
            "some_string",
            "ok",
            "err",
            "circle",
            "rect",
            "empty",
            "red",
            "blue",
            "shapes",
            "pair",
            "unit_struct",
        ],
    );
    assert_eq!(got["none_ref"], "None");
    assert_eq!(got["none_char"], "None");
    assert_eq!(got["circle"], "Circle { r: 1.5 }");
    assert_eq!(got["unit_struct"], "Unit");
}

#[test]
fn trait_objects_closures_and_pretty_print() {
    let f = pdb();
    let names = ["dog", "dyn_ref", "dyn_debug", "dyn_box", "outer"];
    let mut cmds: Vec<String> = names.iter().map(|n| format!("p {n}")).collect();
    cmds.extend(["p add", "p uses_cfg", "pp outer", "pp dyn_box", "c"].map(String::from));
    let cmds: Vec<&str> = cmds.iter().map(String::as_str).collect();
    let run = session(&f, &["values::dynamic", "--exact"], &cmds);
    let head = header(&run.stdout);
    let rust = printed(head);
    let ex = exchanges(&run.stdout);
    let mut wrong = Vec::new();
    for n in names {
        let a = answer(&ex, &format!("p {n}")).trim_end();
        if a != rust[n] {
            wrong.push(format!(
                "p {n}\n    {{:?}}:    {}\n    autopsy: {a}",
                rust[n]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "values that differ from Rust's {{:?}}:\n{}",
        wrong.join("\n")
    );
    assert_eq!(answer(&ex, "p dyn_ref"), "Dog { name: \"rex\", age: 3 }\n");
    assert_eq!(answer(&ex, "p dyn_box"), "Dog { name: \"fido\", age: 9 }\n");
    // Closures have no Debug: autopsy shows the environment the compiler
    // built, captures named after the captured variables; edition 2021
    // captures the field `cfg.timeout`, not `cfg`.
    assert_eq!(answer(&ex, "p add"), "{closure_env#0} { offset: 5 }\n");
    assert_eq!(
        answer(&ex, "p uses_cfg"),
        "{closure_env#1} { cfg.timeout: 30 }\n"
    );
    // pp is {:#?}.
    let pretty = head.split("outer pretty = ").nth(1).unwrap();
    let pretty = &pretty[..pretty.find("\n}\n").unwrap() + 3];
    assert_eq!(answer(&ex, "pp outer"), pretty);
    assert_eq!(
        answer(&ex, "pp dyn_box"),
        "Dog {\n    name: \"fido\",\n    age: 9,\n}\n"
    );
}
