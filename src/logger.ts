import type { ActionsToolkit, AnnotationProperties } from './actions-toolkit.js'

/** Where a message points in a repository file (becomes a GitHub annotation). */
export interface SourcePosition {
  file: string
  line: number
  column: number
}

/** What commands log through, so tests can read what a run said. */
export interface Logger {
  info(message: string): void
  warning(message: string, position?: SourcePosition): void
  error(message: string, position?: SourcePosition): void
  /** Starts the next phase of a command (gather, act): a collapsible group in Actions, a heading in the CLI. */
  section?(title: string): void
}

/** Makes registry-provided text inert in a log line: no line breaks, so nothing can start a workflow command. */
export function inert(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ')
}

function annotation(position?: SourcePosition): AnnotationProperties | undefined {
  return position && { file: position.file, startLine: position.line, startColumn: position.column }
}

/** The log of a run in Actions, and the end of its last phase's group. */
export interface ActionsLogger extends Logger {
  /** Closes the last phase's group, so the outcome and any error show outside it. */
  endSections(): void
}

export function actionsLogger(toolkit: ActionsToolkit): ActionsLogger {
  let groupOpen = false
  return {
    info: message => toolkit.info(inert(message)),
    warning: (message, position) => toolkit.warning(inert(message), annotation(position)),
    error: (message, position) => toolkit.error(inert(message), annotation(position)),
    section: title => {
      // Groups do not nest in the Actions log: the previous phase's closes first.
      if (groupOpen) toolkit.endGroup()
      toolkit.startGroup(inert(title))
      groupOpen = true
    },
    endSections: () => {
      if (groupOpen) toolkit.endGroup()
      groupOpen = false
    }
  }
}
