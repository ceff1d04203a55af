import { z } from 'zod';

export const articleKindSchema = z.enum(['chapter', 'section', 'article', 'item', 'subitem', 'point', 'paragraph', 'attachment']);
export type ArticleKind = z.infer<typeof articleKindSchema>;

/**
 * One structural unit of a policy document body (章、节、条、项、目 …).
 * `anchor` is unique within a document and safe to use as a URL fragment.
 */
export interface Article {
  anchor: string;
  kind: ArticleKind;
  label: string;
  title: string | null;
  text: string;
  children: Article[];
}

// The explicit annotation is required: a recursive schema cannot infer its own type.
export const articleSchema: z.ZodType<Article> = z
  .lazy(() =>
    z.object({
      anchor: z.string(),
      kind: articleKindSchema,
      label: z.string(),
      title: z.string().nullable(),
      text: z.string(),
      children: z.array(articleSchema),
    }),
  )
  .meta({ id: 'Article' });
