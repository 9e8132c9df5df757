"""Id tokens: who may charge."""
