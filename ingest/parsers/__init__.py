"""One module per input format. Each declares `SUFFIXES` and exposes
`parse(name, data, context) -> ParsedDocument`; `ingest.registry` picks one by suffix."""
