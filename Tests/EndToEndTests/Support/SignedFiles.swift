import Foundation

@testable import TestSupport

extension Workspace {
    /// The statement signed beside a published `image` (its `.intoto.jsonl`), once securesystemslib
    /// has verified it with `publicKey`; nil with the reason when it does not verify.
    func verifiedStatement(_ image: String, publicKey: String) throws -> (statement: String?, output: String) {
        let checked = try PythonClients.run(PythonClients.dsseVerifier, [image, image + ".intoto.jsonl", publicKey])
        guard checked.status == 0 else { return (nil, checked.output) }
        let bundle = try Data(contentsOf: URL(fileURLWithPath: image + ".intoto.jsonl"))
        let envelope = try JSONSerialization.jsonObject(with: bundle) as? [String: Any]
        let statement = Data(base64Encoded: envelope?["payload"] as? String ?? "").map {
            String(decoding: $0, as: UTF8.self)
        }
        return (statement, checked.output)
    }
}
