import { createHash } from 'node:crypto'

/** File path → file content. Directories are implicit, as in Git. */
export type Tree = ReadonlyMap<string, string>

/** A commit's author or committer as Git stores it: whatever name and e-mail the committer's Git was given. */
export interface GitIdentity {
  name: string
  email: string
}

export interface Commit {
  sha: string
  parents: string[]
  tree: Tree
  message: string
  /** The author's login when the stand-in made the commit for a user (kept for merge commits and messages). */
  author: string
  /** The e-mail identity GitHub shows; the API names a user only when it knows the e-mail. */
  identity: GitIdentity
  date: string
}

export interface FileChange {
  path: string
  status: 'added' | 'modified' | 'removed' | 'renamed'
  before?: string
  after?: string
  /** For `renamed`: the path the file had before. */
  previousPath?: string
}

/** The SHA-1 Git gives a blob: it hashes `blob <byte length>\0<content>`. */
export function blobSha(content: string): string {
  const bytes = Buffer.from(content, 'utf8')
  return createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest('hex')
}

/** Every commit of every repository; forks share commits with their parent, as on GitHub. */
export class CommitStore {
  private readonly commits = new Map<string, Commit>()
  private sequence = 0

  create(fields: Omit<Commit, 'sha'>): Commit {
    // The sequence number keeps two otherwise identical commits (same tree, parents and second) distinct.
    this.sequence += 1
    const canonical = JSON.stringify({
      parents: fields.parents,
      tree: [...fields.tree.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
      message: fields.message,
      author: fields.author,
      date: fields.date,
      sequence: this.sequence
    })
    const sha = createHash('sha1').update(canonical).digest('hex')
    const commit = { ...fields, sha }
    this.commits.set(sha, commit)
    return commit
  }

  get(sha: string): Commit | undefined {
    return this.commits.get(sha)
  }

  /** Commits reachable from `sha`, newest first (breadth-first over all parents, each once). */
  history(sha: string): Commit[] {
    const seen = new Set<string>()
    const order: Commit[] = []
    const queue = [sha]
    while (queue.length > 0) {
      const next = queue.shift() as string
      const commit = this.commits.get(next)
      if (commit === undefined || seen.has(next)) continue
      seen.add(next)
      order.push(commit)
      queue.push(...commit.parents)
    }
    return order
  }

  /** The nearest common ancestor of two commits, searched breadth-first from `b`. */
  mergeBase(a: string, b: string): Commit | undefined {
    const ancestorsOfA = new Set(this.history(a).map(commit => commit.sha))
    return this.history(b).find(commit => ancestorsOfA.has(commit.sha))
  }

  /** Commits reachable from `head` but not from `base`, oldest first (the order pulls/list-commits uses). */
  commitsSince(base: string, head: string): Commit[] {
    const reachableFromBase = new Set(this.history(base).map(commit => commit.sha))
    return this.history(head)
      .filter(commit => !reachableFromBase.has(commit.sha))
      .reverse()
  }
}

export function diffTrees(from: Tree, to: Tree): FileChange[] {
  const changes: FileChange[] = []
  for (const [path, after] of to) {
    const before = from.get(path)
    if (before === undefined) changes.push({ path, status: 'added', after })
    else if (before !== after) changes.push({ path, status: 'modified', before, after })
  }
  for (const [path, before] of from) {
    if (!to.has(path)) changes.push({ path, status: 'removed', before })
  }
  return pairRenames(changes).sort((x, y) => (x.path < y.path ? -1 : 1))
}

/**
 * A file removed at one path and added with the same content at another is one `renamed` change, as GitHub's
 * "Files changed" shows it (https://docs.github.com/rest/pulls/pulls#list-pull-requests-files: `status` renamed with
 * `previous_filename`). Git detects renames by similarity; the stand-in only by identical content.
 */
function pairRenames(changes: FileChange[]): FileChange[] {
  const removed = changes.filter(change => change.status === 'removed')
  const paired = new Set<FileChange>()
  const result: FileChange[] = []
  for (const change of changes) {
    if (change.status !== 'added') continue
    const source = removed.find(candidate => !paired.has(candidate) && candidate.before === change.after)
    if (source === undefined) continue
    paired.add(source)
    paired.add(change)
    result.push({
      path: change.path,
      status: 'renamed',
      before: source.before,
      after: change.after,
      previousPath: source.path
    })
  }
  return [...changes.filter(change => !paired.has(change)), ...result]
}

/** Applies file changes to a tree; `undefined` as a new content deletes the path. */
export function applyChanges(tree: Tree, changes: Iterable<[string, string | undefined]>): Tree {
  const next = new Map(tree)
  for (const [path, content] of changes) {
    if (content === undefined) next.delete(path)
    else next.set(path, content)
  }
  return next
}

/** Line counts for a diff entry: a naive line diff that counts removed and added lines. */
export function lineStats(before: string | undefined, after: string | undefined) {
  const oldLines = before === undefined ? [] : splitLines(before)
  const newLines = after === undefined ? [] : splitLines(after)
  const remaining = new Map<string, number>()
  for (const line of oldLines) remaining.set(line, (remaining.get(line) ?? 0) + 1)
  let kept = 0
  for (const line of newLines) {
    const count = remaining.get(line) ?? 0
    if (count > 0) {
      remaining.set(line, count - 1)
      kept += 1
    }
  }
  const additions = newLines.length - kept
  const deletions = oldLines.length - kept
  return { additions, deletions, changes: additions + deletions }
}

function splitLines(text: string): string[] {
  if (text === '') return []
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** A stable id for a tree (not Git's tree object hash, which would need Git's binary tree format). */
export function treeSha(tree: Tree): string {
  const entries = [...tree.entries()].sort(([a], [b]) => (a < b ? -1 : 1))
  return createHash('sha1').update(JSON.stringify(entries)).digest('hex')
}
