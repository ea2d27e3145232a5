/** A run's or node's error, its details, and the failures below it that caused it (`cause`). */
const json = (v: unknown) => JSON.stringify(v, null, 2);

export function ErrorChain({
  error,
}: {
  error: { code: string; message: string; cause?: unknown; details?: unknown };
}) {
  const cause = error.cause as typeof error | undefined;
  return (
    <div className="error-chain">
      <p className="error">
        <code>{error.code}</code> {error.message}
      </p>
      {error.details !== undefined && <pre className="code">{json(error.details)}</pre>}
      {cause !== undefined && (
        <div className="cause">
          <span className="muted">caused by</span>
          <ErrorChain error={cause} />
        </div>
      )}
    </div>
  );
}
