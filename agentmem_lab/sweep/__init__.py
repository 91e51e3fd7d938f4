"""The sweep: benchmark.ipynb once per configuration under papermill, then report.ipynb,
then HTML. Resumable, and a failed configuration is recorded and shown, never fatal.

Layout of a sweep folder:
    sweep.json                 the plan (configurations and their parameters)
    configs/<name>/            benchmark.ipynb (executed), benchmark.html, result.json,
                               stores/, or error.json when the configuration failed
    stages.json                the stage claims measured alone (``stages``)
    capacity/<name>/           a capacity search of the grid's [[capacity]]: capacity.json
                               and each probe's probe-result.json (``capacity``)
    report.ipynb, index.html   the report

Modules: ``grid`` (the configurations a grid names), ``runs`` (a sweep run, local, by turns
or on a cluster), ``executor`` (papermill and the HTML export), ``cluster`` (Dask), and
``facade``, what the notebooks call.
"""
