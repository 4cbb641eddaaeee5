/// GlassboxIO: readers and writers for safetensors, `.npy`/`.npz`, IDX, gzip/inflate, PNG and
/// SVG, and checkpoint files, all with typed, descriptive errors.
public enum GlassboxIO {}
