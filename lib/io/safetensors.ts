// The safetensors format: one entry point for its types, reader and writer.
export * from './safetensors-format';
export * from './safetensors-read';
export * from './safetensors-write';
