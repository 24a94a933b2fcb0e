#!/usr/bin/env python3
"""Prints a crate's public API, one item a line, sorted, from rustdoc's JSON output.

    RUSTC_BOOTSTRAP=1 cargo rustdoc -p CRATE --all-features -- -Z unstable-options \
        --output-format json
    python3 .ci/public_api.py target/doc/CRATE.json > api/CRATE.txt

.ci/run regenerates each snapshot and fails when it differs from the committed one, so every
change of a public item is a visible diff. Lines name the item by the path users write (the
re-export, not the file it lives in), with its signature: functions and methods with their
arguments, structs with their public fields, enums with their variants, trait impls by trait
name. Auto traits and blanket impls are left out: they follow from the rest.
"""
import json
import sys

AUTO_TRAITS = {"Send", "Sync", "Unpin", "UnwindSafe", "RefUnwindSafe", "Freeze", "StructuralPartialEq"}


def main(path):
    doc = json.load(open(path))
    index = doc["index"]
    lines = set()

    def ty(t):
        if t is None:
            return "()"
        (kind, v), = t.items()
        if kind == "primitive" or kind == "generic":
            return v
        if kind == "resolved_path":
            return v["path"].split("::")[-1] + args(v.get("args"))
        if kind == "borrowed_ref":
            life = v["lifetime"] + " " if v["lifetime"] else ""
            return "&" + life + ("mut " if v["is_mutable"] else "") + ty(v["type"])
        if kind == "tuple":
            return "(" + ", ".join(ty(x) for x in v) + ")"
        if kind == "slice":
            return "[" + ty(v) + "]"
        if kind == "array":
            return "[" + ty(v["type"]) + "; " + v["len"] + "]"
        if kind == "impl_trait":
            return "impl " + " + ".join(bound(b) for b in v)
        if kind == "dyn_trait":
            traits = [t["trait"]["path"].split("::")[-1] + args(t["trait"].get("args")) for t in v["traits"]]
            if v.get("lifetime"):
                traits.append(v["lifetime"])
            return "dyn " + " + ".join(traits)
        if kind == "qualified_path":
            return "<" + ty(v["self_type"]) + ">::" + v["name"]
        if kind == "raw_pointer":
            return "*" + ("mut " if v["is_mutable"] else "const ") + ty(v["type"])
        if kind == "function_pointer":
            s = v["sig"]
            return "fn(" + ", ".join(ty(t) for _, t in s["inputs"]) + ")" + ret(s["output"])
        return kind

    def args(a):
        if not a:
            return ""
        if "angle_bracketed" in a:
            parts = []
            for x in a["angle_bracketed"]["args"]:
                (k, v), = x.items()
                parts.append(ty(v) if k == "type" else v if k == "lifetime" else str(v))
            for c in a["angle_bracketed"].get("constraints", []):
                binding = c.get("binding", {})
                if "equality" in binding:
                    (k, v), = binding["equality"].items()
                    parts.append(c["name"] + " = " + (ty(v) if k == "type" else str(v)))
            return "<" + ", ".join(parts) + ">" if parts else ""
        if "parenthesized" in a:
            p = a["parenthesized"]
            return "(" + ", ".join(ty(t) for t in p["inputs"]) + ")" + ret(p.get("output"))
        return ""

    def ret(t):
        return "" if t is None else " -> " + ty(t)

    def bound(b):
        if "trait_bound" in b:
            t = b["trait_bound"]["trait"]
            return t["path"].split("::")[-1] + args(t.get("args"))
        if "outlives" in b:
            return b["outlives"]
        return "?"

    def generics(g):
        params = []
        for p in g["params"]:
            kind = p["kind"]
            if "type" in kind:
                if kind["type"].get("is_synthetic"):
                    continue
                bounds = kind["type"]["bounds"]
                params.append(p["name"] + (": " + " + ".join(bound(b) for b in bounds) if bounds else ""))
            elif "lifetime" in kind:
                params.append(p["name"])
            elif "const" in kind:
                params.append("const " + p["name"] + ": " + ty(kind["const"]["type"]))
        return "<" + ", ".join(params) + ">" if params else ""

    def function(path, item):
        f = item["inner"]["function"]
        h = f["header"]
        quals = ("const " if h["is_const"] else "") + ("unsafe " if h["is_unsafe"] else "")
        inputs = []
        for name, t in f["sig"]["inputs"]:
            if name == "self":
                inputs.append({"generic": "self"} == t and "self" or ty(t).replace("Self", "self"))
            else:
                inputs.append(name + ": " + ty(t))
        return "pub %sfn %s%s(%s)%s" % (quals, path, generics(f["generics"]), ", ".join(inputs), ret(f["sig"]["output"]))

    def attrs(item):
        text = " ".join(a if isinstance(a, str) else json.dumps(a) for a in item.get("attrs", []))
        marks = []
        if "non_exhaustive" in text:
            marks.append("#[non_exhaustive] ")
        if "must_use" in text:
            marks.append("#[must_use] ")
        if item.get("deprecation"):
            marks.append("#[deprecated] ")
        return "".join(marks)

    def impls(path, impl_ids):
        for impl_id in impl_ids:
            impl = index.get(str(impl_id))
            if impl is None:
                continue
            i = impl["inner"]["impl"]
            if i.get("is_synthetic") or i.get("blanket_impl") is not None:
                continue
            trait = i.get("trait")
            if trait is not None:
                name = trait["path"].split("::")[-1]
                if name in AUTO_TRAITS:
                    continue
                neg = "!" if i.get("is_negative") else ""
                lines.add("impl%s %s%s%s for %s" % (generics(i["generics"]), neg, name, args(trait.get("args")), ty(i["for"])))
                continue
            for member in i["items"]:
                m = index.get(str(member))
                if m is None or m["visibility"] != "public":
                    continue
                visit(path + "::" + m["name"], m)

    seen = set()

    def visit(path, item):
        key = (path, item["id"])
        if key in seen:
            return
        seen.add(key)
        (kind, inner), = item["inner"].items()
        mark = attrs(item)
        if kind == "module":
            lines.add("pub mod " + path)
            for child in inner["items"]:
                c = index.get(str(child))
                if c is not None and (c["visibility"] == "public" or "use" in c["inner"]):
                    if "use" in c["inner"]:
                        reexport(path, c)
                    else:
                        visit(path + "::" + c["name"], c)
        elif kind == "function":
            lines.add(mark + function(path, item))
        elif kind == "struct":
            s = inner["kind"]
            head = "%spub struct %s%s" % (mark, path, generics(inner["generics"]))
            if "plain" in s:
                for field in s["plain"]["fields"]:
                    f = index.get(str(field))
                    if f and f["visibility"] == "public":
                        lines.add("pub %s.%s: %s" % (path, f["name"], ty(f["inner"]["struct_field"])))
                if s["plain"].get("has_stripped_fields"):
                    head += " { .. }"
            elif "tuple" in s:
                head += "(" + ", ".join(
                    ty(index[str(f)]["inner"]["struct_field"]) if f is not None and str(f) in index else "_"
                    for f in s["tuple"]) + ")"
            lines.add(head)
            impls(path, inner["impls"])
        elif kind == "enum":
            lines.add("%spub enum %s%s" % (mark, path, generics(inner["generics"])))
            for v in inner["variants"]:
                var = index[str(v)]
                vk = var["inner"]["variant"]["kind"]
                vmark = attrs(var)
                if vk == "plain":
                    lines.add("%s%s::%s" % (vmark, path, var["name"]))
                elif "tuple" in vk:
                    lines.add("%s%s::%s(%s)" % (vmark, path, var["name"], ", ".join(
                        ty(index[str(f)]["inner"]["struct_field"]) if f is not None else "_" for f in vk["tuple"])))
                else:
                    fields = [index[str(f)] for f in vk["struct"]["fields"]]
                    lines.add("%s%s::%s { %s }" % (vmark, path, var["name"], ", ".join(
                        f["name"] + ": " + ty(f["inner"]["struct_field"]) for f in fields)))
            impls(path, inner["impls"])
        elif kind == "trait":
            lines.add("pub trait " + path)
            for m in inner["items"]:
                mi = index[str(m)]
                if "function" in mi["inner"]:
                    lines.add(function(path + "::" + mi["name"], mi))
        elif kind == "constant":
            lines.add("pub const %s: %s" % (path, ty(inner["type"])))
        elif kind == "static":
            lines.add("pub static %s: %s" % (path, ty(inner["type"])))
        elif kind == "type_alias":
            lines.add("pub type %s = %s" % (path, ty(inner["type"])))
        elif kind == "assoc_const":
            lines.add("pub const %s: %s" % (path, ty(inner["type"])))
        elif kind == "macro":
            lines.add("macro " + path)
        else:
            lines.add("%s %s" % (kind, path))

    def reexport(path, item):
        u = item["inner"]["use"]
        if item["visibility"] != "public":
            return
        target = index.get(str(u["id"])) if u.get("id") is not None else None
        if target is None:
            # An item of another crate: name what is re-exported.
            lines.add("pub use %s::%s" % (path, u["source"]))
            return
        if u["is_glob"]:
            for child in target["inner"]["module"]["items"]:
                c = index[str(child)]
                if c["visibility"] == "public":
                    visit(path + "::" + c["name"], c)
        else:
            visit(path + "::" + u["name"], target)

    root = index[str(doc["root"])]
    visit(root["name"], root)
    def key(line):
        # By the item's path: marks and keywords aside, so a struct, its fields and its
        # methods stand together.
        words = [w for w in line.split(" ") if not w.startswith("#[")]
        named = [w for w in words if w.startswith(root["name"] + "::") or w == root["name"]]
        return (named[0].split("(")[0].split("<")[0] if named else "~" + line, line)

    for line in sorted(lines, key=key):
        print(line)


if __name__ == "__main__":
    main(sys.argv[1])
