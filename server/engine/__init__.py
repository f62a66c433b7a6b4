"""The built-in engine: Parley answers the conversations of assistants given a model, through
any OpenAI-compatible Chat Completions endpoint, streaming each reply as it is written.

prompt (what the model is sent), model (one streamed call to the provider), worker (the turns
claimed and answered, in `parley serve` or apart as `parley engine`)."""
