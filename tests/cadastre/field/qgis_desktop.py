"""Open a package's QGIS project in a real QGIS (Debian ``python3-qgis``, run by
/usr/bin/python3 offscreen, not landgis code): what QGIS reports of every layer (valid,
feature count, editor widgets, constraints, read-only fields), and edits made through
QgsVectorLayer's edit buffer, the way QField (built on QGIS) edits a GeoPackage."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

QGIS_SCRIPT = r"""
import json, sys
from qgis.core import (Qgis, QgsApplication, QgsFeature, QgsFieldConstraints, QgsGeometry,
                       QgsMapLayerType, QgsPointXY, QgsProject)

app = QgsApplication([], False)
app.initQgis()
path, ops = sys.argv[1], json.loads(sys.argv[2])
messages = []
QgsApplication.messageLog().messageReceived.connect(
    lambda text, tag, level: messages.append([tag, int(level), text]))
project = QgsProject.instance()
read = project.read(path)
out = {"read": read, "error": project.error(), "crs": project.crs().authid(),
       "tree": [[n.layerId(), n.layer() is not None] for n in project.layerTreeRoot().findLayers()],
       "layers": {}, "edits": []}


def describe(layer):
    info = {"name": layer.name(), "valid": layer.isValid(), "provider": layer.providerType(),
            "source": layer.source()}
    if layer.type() == QgsMapLayerType.RasterLayer:
        info.update(kind="raster", width=layer.width(), height=layer.height(),
                    bands=layer.bandCount())
        return info
    symbol = layer.renderer().symbol()
    info.update(kind="vector", count=layer.featureCount(), fields={},
                read_only=layer.readOnly(), crs=layer.crs().authid(),
                colour=symbol.color().name(), renderer=layer.renderer().type())
    form = layer.editFormConfig()
    for i, f in enumerate(layer.fields()):
        setup = layer.editorWidgetSetup(i)
        c = f.constraints()
        info["fields"][f.name()] = {
            "alias": layer.attributeAlias(i),
            "widget": setup.type(),
            "config": setup.config(),
            "not_null": bool(c.constraints() & QgsFieldConstraints.ConstraintNotNull),
            "not_null_strength": int(c.constraintStrength(QgsFieldConstraints.ConstraintNotNull)),
            "editable": not form.readOnly(i),
        }
    return info


def by_name(name):
    return next(l for l in project.mapLayers().values()
                if l.dataProvider() and l.dataProvider().uri().uri().endswith(name)
                or l.source().endswith("layername=" + name))


for op in ops:
    layer = by_name(op["layer"])
    if "add" in op:
        assert layer.startEditing(), layer.name()
        f = QgsFeature(layer.fields())
        for k, v in op["add"].items():
            f.setAttribute(k, v)
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(*op["point"])))
        assert layer.addFeature(f)
        ok = layer.commitChanges()
        out["edits"].append({"layer": op["layer"], "ok": ok, "errors": layer.commitErrors()})
        continue
    req = layer.getFeatures(op["where"])
    found = [f for f in req]
    assert len(found) == 1, (op, len(found))
    f = found[0]
    assert layer.startEditing(), layer.name()
    for k, v in op.get("values", {}).items():
        assert layer.changeAttributeValue(f.id(), layer.fields().indexOf(k), v), k
    if "vertex" in op:
        x, y, at = op["vertex"]
        assert layer.moveVertex(x, y, f.id(), at), "moveVertex"
    if "point" in op:
        assert layer.changeGeometry(f.id(), QgsGeometry.fromPointXY(QgsPointXY(*op["point"])))
    ok = layer.commitChanges()
    out["edits"].append({"layer": op["layer"], "ok": ok, "errors": layer.commitErrors()})

for layer in project.mapLayers().values():
    out["layers"][layer.id()] = describe(layer)
project.clear()
out["messages"] = [m for m in messages if m[1] >= int(Qgis.Warning)]
print("QGIS-JSON" + json.dumps(out, default=str), flush=True)
app.exitQgis()
"""


def open_project(qgs: Path, ops: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Read ``qgs`` with QgsProject.read (offscreen), apply ``ops`` ({"layer" (GeoPackage
    table), "where" (QGIS expression), "values", "vertex": [x, y, index], "point": [x, y];
    or "add": values with "point") each in its own edit session, and return what QGIS says
    of the project (crs, layer tree, warnings logged) and of its layers."""
    runtime = Path(tempfile.mkdtemp(prefix="landgis-qgis-"))  # Qt wants it 0700
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(runtime),
           "HOME": str(runtime)}  # fmt: skip
    done = subprocess.run(
        ["/usr/bin/python3", "-c", QGIS_SCRIPT, str(qgs), json.dumps(ops or [])],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=qgs.parent,
    )
    shutil.rmtree(runtime, ignore_errors=True)
    assert done.returncode == 0, (done.returncode, done.stderr[-4000:])
    line = next(x for x in done.stdout.splitlines() if x.startswith("QGIS-JSON"))
    return dict(json.loads(line.removeprefix("QGIS-JSON")))
