/**
 * A file that arrived with a form or an API call. Defined outside http/ because services and the
 * portal take it too, and neither may depend on the JSON API.
 */
export interface UploadedFile {
  buffer: Buffer;
  filename: string;
  /** As declared by the client: informative only, the content decides. */
  declaredType: string;
}
