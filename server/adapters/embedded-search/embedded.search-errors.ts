import { DomainError } from '../../errors.js';

/** Every part of the embedded index refuses work the same way before `open` and after `close`. */
export function searchIndexClosed(): DomainError {
  return new DomainError({ type: 'unavailable', code: 'search_index_closed', message: '搜索索引尚未打开' });
}
