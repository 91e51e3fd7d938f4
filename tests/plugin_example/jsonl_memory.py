"""An append-only JSON-lines memory: every add appends its items to one file."""

import json

import numpy as np

from agentmem_lab.systems import CallOutcome, ConfigError, Embedder, System, Target, measure_adder


class JsonlTarget(Target):
    def __init__(self, directory, embedder):
        directory.mkdir(parents=True, exist_ok=True)
        self.path, self.embedder, self.index = directory / "memories.jsonl", embedder, {}
        self.file = open(self.path, "a", encoding="utf-8")

    async def add(self, items):
        vectors = await self.embedder.embed_batch([i.content for i in items])
        self.file.write(
            "".join(json.dumps({"key": i.key, "content": i.content}) + "\n" for i in items)
        )
        self.file.flush()
        self.index.update({i.key: v for i, v in zip(items, vectors)})
        return CallOutcome(acked=[i.key for i in items])

    async def store_keys(self):  # read back from the store itself
        with open(self.path, encoding="utf-8") as f:
            keys = {json.loads(line)["key"] for line in f}
        return {"core": keys, "vector": set(self.index), "history": keys}

    def searcher(self):
        return self

    async def search(self, queries, k):  # exact cosine search
        keys, base = np.fromiter(self.index, np.uint64), np.stack(list(self.index.values()))
        sims = queries @ base.T
        top = np.argsort(-sims, axis=1)[:, :k]
        return keys[top], 1.0 - np.take_along_axis(sims, top, axis=1)

    async def close(self):
        self.file.close()


class NoWork:
    async def add(self, items):
        return CallOutcome(acked=[i.key for i in items])


class JsonlMemory(System):
    name, description, package = "jsonl-memory", "an append-only JSON-lines file", "jsonl-memory"

    def check(self, config):
        if any(config.fail_rates.values()):
            raise ConfigError("--fail-rate", "jsonl-memory injects no faults")

    async def open(self, config, directory, embedder, faults):
        return JsonlTarget(directory, embedder)

    async def harness(self, config, calls, dim):
        return await measure_adder(NoWork(), calls, config.concurrency)


class LetterEmbedder(Embedder):  # a second entry point: an embedder, for any system
    name, dim = "letters", 32

    def encode(self, texts):
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in zip(rows, texts):
            for ch in text.lower():
                row[ord(ch) % self.dim] += 1.0
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
