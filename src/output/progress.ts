export interface ProgressStep<Ctx> {
  readonly title: string
  readonly run: (context: Ctx, report: (detail: string) => void) => Promise<void> | void
}

/**
 * Runs steps with listr2 progress on stderr (stdout stays for results); plain line
 * output when stderr is not a terminal (CI logs). Under --json the steps simply run:
 * no renderer, and listr2 is never loaded.
 */
export async function runWithProgress<Ctx extends object>(
  steps: readonly ProgressStep<Ctx>[],
  context: Ctx,
  options: {quiet: boolean},
): Promise<Ctx> {
  if (options.quiet) {
    for (const step of steps) await step.run(context, () => {})
    return context
  }
  const {Listr, ListrLogger, ProcessOutput} = await import('listr2')
  const processOutput = new ProcessOutput(process.stderr, process.stderr)
  const logger = new ListrLogger({processOutput})
  // The command prints the full error (message and fixes) once it fails; the task line
  // only names the failure, so multi-line messages are not shown twice.
  let failure: {error: unknown} | undefined
  const list = new Listr<Ctx>(
    steps.map((step) => ({
      title: step.title,
      task: async (ctx, task) => {
        try {
          await step.run(ctx, (detail) => {
            task.output = detail
          })
        } catch (error) {
          failure = {error}
          throw new Error(String((error as Error)?.message ?? error).split('\n')[0])
        }
      },
    })),
    {
      concurrent: false,
      exitOnError: true,
      fallbackRendererCondition: !process.stderr.isTTY,
      rendererOptions: {logger, collapseSubtasks: false},
      fallbackRendererOptions: {logger},
      registerSignalListeners: true,
    },
  )
  try {
    return await list.run(context)
  } catch (error) {
    throw failure ? failure.error : error
  }
}
