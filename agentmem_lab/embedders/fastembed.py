"""fastembed's TextEmbedding (ONNX Runtime) by model name or local model folder, and MiniLM
built offline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agentmem_lab.core.errors import EmbedderError, MissingDependencyError, ModelNotInstalledError
from agentmem_lab.core.privacy import quiet_onnxruntime
from agentmem_lab.embedders.base import Embedder, Vectors
from agentmem_lab.embedders.models import read_manifest


class FastembedEmbedder(Embedder):
    """fastembed's TextEmbedding. The model loads lazily, on first use.

    ``model_dir`` loads a local model directory (offline) instead of a hub download;
    ``batch_size`` is fastembed's own batching inside ``embed_batch``.
    """

    offload = True  # onnxruntime releases the GIL

    def __init__(
        self,
        model_name: str,
        *,
        model_dir: str | Path | None = None,
        dim: int | None = None,
        threads: int | None = None,
        batch_size: int = 256,
        label: str | None = None,
        register: Callable[[], None] | None = None,
    ) -> None:
        self.model_name = model_name
        self.model_dir = str(model_dir) if model_dir is not None else None
        self.threads = threads
        self.batch_size = batch_size
        self.name = label or f"fastembed:{model_name}"
        self._register = register
        self._model: Any = None
        if dim is not None:
            self.dim = dim
        else:
            self.dim = self._load().embedding_size

    def _load(self) -> Any:
        if self._model is None:
            try:
                from fastembed import TextEmbedding
            except ImportError:
                raise MissingDependencyError(
                    "fastembed", "pip install 'agentmem-lab[fastembed]'"
                ) from None
            import onnxruntime  # fastembed's runtime, imported by it above

            quiet_onnxruntime(onnxruntime)
            if self._register is not None:
                self._register()
            kwargs: dict[str, Any] = {}
            if self.model_dir is not None:
                kwargs["specific_model_path"] = self.model_dir
            try:
                self._model = TextEmbedding(self.model_name, threads=self.threads, **kwargs)
            except Exception as exc:  # fastembed raises bare exceptions on missing models
                raise EmbedderError(
                    f"fastembed could not load {self.model_name!r}: {str(exc).splitlines()[0]}"
                ) from exc
        return self._model

    def encode(self, texts: Sequence[str]) -> Vectors:
        model = self._load()
        rows = list(model.embed(list(texts), batch_size=self.batch_size))
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(np.stack(rows), dtype=np.float32)

    def execution_providers(self) -> list[str] | None:
        """The onnxruntime providers the loaded model's session runs on, first the one it
        prefers (fastembed takes CUDA where onnxruntime offers it); None before it loads."""
        session = getattr(getattr(self._model, "model", None), "model", None)
        get = getattr(session, "get_providers", None)
        return list(get()) if callable(get) else None

    def settings(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dim": self.dim,
            "model": self.model_name,
            "model_dir": self.model_dir,
            "onnx_threads": self.threads,
            "fastembed_batch_size": self.batch_size,
            "execution_providers": self.execution_providers(),
        }

    def close(self) -> None:
        self._model = None


_REGISTERED: set[str] = set()


def local_model_embedder(
    directory: Path, threads: int | None = None, label: str | None = None
) -> FastembedEmbedder:
    """fastembed's TextEmbedding on a local model folder built by ``install``."""
    manifest = read_manifest(directory)
    if manifest is None or not (directory / "model.onnx").is_file():
        raise ModelNotInstalledError(label or directory.name, str(directory))
    model_name = f"agentmem-lab/{manifest['dirname']}"
    dim = int(manifest["dim"])

    def register() -> None:
        if model_name in _REGISTERED:
            return
        from fastembed import TextEmbedding
        from fastembed.common.model_description import ModelSource, PoolingType

        TextEmbedding.add_custom_model(
            model=model_name,
            pooling=PoolingType.MEAN,
            normalization=bool(manifest["normalization"]),
            sources=ModelSource(hf=str(manifest["reference"])),
            dim=dim,
            model_file="model.onnx",
            description=f"{manifest['reference']} built offline by agentmem-lab",
        )
        _REGISTERED.add(model_name)

    return FastembedEmbedder(
        model_name,
        model_dir=directory,
        dim=dim,
        threads=threads,
        label=label or f"fastembed:{directory}",
        register=register,
    )
