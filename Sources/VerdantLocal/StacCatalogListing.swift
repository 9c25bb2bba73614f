import Foundation

extension StacCatalog {
    /// What a catalog holds: the items read, and one failure per item (or link) that could not
    /// be, so one malformed item fails that image alone instead of the whole catalog.
    public struct Listing: Sendable {
        /// Sorted by acquisition time then id.
        public var items: [CatalogItem]
        /// In catalog order.
        public var failures: [ItemFailure]

        public init(items: [CatalogItem], failures: [ItemFailure]) {
            self.items = items; self.failures = failures
        }
    }

    /// An item of the catalog that could not be read, told so a person can find and fix it, and
    /// with the id and datetime when they could be read so the image can be recorded as failed.
    public struct ItemFailure: Sendable, Equatable, CustomStringConvertible {
        /// The file the problem is in: the ItemCollection, the item's own file, or for a link
        /// whose target cannot be read, that target.
        public var file: String
        /// Where the item sits: `features[3]` of `file`, or `links[5]` of `linkedFrom`; nil when
        /// `file` is itself the item.
        public var position: String?
        /// The catalog whose link led to `file`.
        public var linkedFrom: String?
        /// The field of the item that is wrong, e.g. `properties.datetime`, when it is one field.
        public var field: String?
        public var id: String?
        public var datetime: Date?
        /// What was expected and found, in words.
        public var problem: String

        public init(file: String, position: String? = nil, linkedFrom: String? = nil, field: String? = nil,
                    id: String? = nil, datetime: Date? = nil, problem: String) {
            self.file = file; self.position = position; self.linkedFrom = linkedFrom; self.field = field
            self.id = id; self.datetime = datetime; self.problem = problem
        }

        /// `/data/items.json: features[3] (item S2B_…): properties.datetime: expected …` or
        /// `/data/a/item.json (links[5] of /data/catalog.json): expected JSON: …`.
        public var description: String {
            var text = file
            if let position {
                text += linkedFrom.map { " (\(position) of \($0))" } ?? ": \(position)"
            }
            if let id { text += position == nil || linkedFrom != nil ? ": item \(id)" : " (item \(id))" }
            if let field { text += ": \(field)" }
            return text + ": " + problem
        }
    }
}
