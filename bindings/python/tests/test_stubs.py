"""Every public name of the package has a stub entry (habit 8)."""

import ast
import inspect
import pathlib

import rowcol
import rowcol._rowcol as native

STUB = pathlib.Path(rowcol.__file__).with_name("_rowcol.pyi")


def stub_tree():
    tree = ast.parse(STUB.read_text())
    top, classes = set(), {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            top.add(node.name)
            names = set()
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    names.add(item.target.id)
            bases = [b.id for b in node.bases if isinstance(b, ast.Name)]
            classes[node.name] = (names, bases)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            top.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            top.add(node.target.id)
        elif isinstance(node, ast.Assign):
            top.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return top, classes


def members(classes, name):
    names, bases = classes[name]
    out = set(names)
    for b in bases:
        if b in classes:
            out |= members(classes, b)
    return out


def test_py_typed_marker_ships():
    assert STUB.with_name("py.typed").exists()


def test_every_native_name_has_a_stub():
    top, _ = stub_tree()
    public = {n for n in dir(native) if not n.startswith("__") or n == "__version__"}
    public -= {"__builtins__"}
    missing = sorted(n for n in public if n not in top)
    assert not missing, f"missing from _rowcol.pyi: {missing}"


def test_every_method_and_property_of_native_classes_has_a_stub():
    _, classes = stub_tree()
    missing = []
    for name, cls in inspect.getmembers(native, inspect.isclass):
        if issubclass(cls, BaseException):
            continue
        stubbed = members(classes, name)
        for attr in vars(cls):
            if attr.startswith("__") and attr not in {"__len__", "__getitem__", "__init__"}:
                continue
            if attr == "__init__" and "__new__" not in vars(cls):
                continue
            if attr not in stubbed:
                missing.append(f"{name}.{attr}")
    assert not missing, f"missing from _rowcol.pyi: {missing}"


def test_stubs_name_nothing_that_does_not_exist():
    top, classes = stub_tree()
    ghosts = [n for n in top if not n.startswith("_") and n not in {"Records", "Duration", "DateLike"} and not hasattr(native, n)]
    for name, (names, _) in classes.items():
        if name.startswith("_") or issubclass(getattr(native, name), BaseException):
            continue
        ghosts += [f"{name}.{a}" for a in names if a != "__init__" and not hasattr(getattr(native, name), a)]
    assert not ghosts, ghosts


def test_package_all_is_importable_and_stubbed_or_typed():
    top, _ = stub_tree()
    for name in rowcol.__all__:
        assert hasattr(rowcol, name), name
        assert name in top or name in {"records", "aio"}, name
    # records is plain typed Python: every public builder has annotations.
    for name in rowcol.records.__all__:
        obj = getattr(rowcol.records, name)
        if inspect.isfunction(obj):
            assert obj.__doc__, name
            assert "return" in obj.__annotations__, name
