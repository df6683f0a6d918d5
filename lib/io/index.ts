// Public surface of the file-format layer.
export type { FileChunks } from './atomic-write';
export { writeFileAtomic, writeFileAtomicSync } from './atomic-write';
export type {
  SafetensorsDtype,
  SafetensorsTensor,
  SafetensorsInput,
  SafetensorsMetadata,
  SafetensorsContent,
  SafetensorsHeader,
  SafetensorsEntry,
  SafetensorsArrays,
} from './safetensors';
export {
  saveSafetensors,
  saveSafetensorsAsync,
  loadSafetensors,
  readSafetensorsHeader,
  encodeSafetensors,
  decodeSafetensors,
  SafetensorsError,
} from './safetensors';
