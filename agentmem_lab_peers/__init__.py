"""Peer systems on the bench, written as an outside package writes its own: against
``agentmem_lab.systems`` alone, and registered through the ``agentmem_lab.systems``
entry-point group (pyproject.toml), not in agentmem-lab's own registry.

- ``langgraph``: LangGraph's long-term memory store (what LangMem writes to), ``store.batch``
  of ``PutOp``s over ``InMemoryStore``, ``SqliteStore`` or ``PostgresStore``
  (``--langgraph-store``), the store embedding with our embedder;
- ``txtai``: ``txtai.Embeddings(content=True)``'s ``upsert`` with our embedder as its
  transform, over faiss, hnswlib, numpy or pgvector (``--txtai-backend``).

Nothing here is imported by agentmem_lab; an import contract in pyproject.toml holds both
ways (docs/peers.md).
"""
