"""The op modules (one OpDef table per module); `dataflowio.graph.api` imports them all."""
