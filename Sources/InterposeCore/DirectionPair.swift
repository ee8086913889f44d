/// One value for each direction of a connection, indexed by `Direction`: counters, states, buffers.
public struct DirectionPair<Value> {
    /// The value for `clientToServer`.
    public var clientToServer: Value
    /// The value for `serverToClient`.
    public var serverToClient: Value

    /// A pair from its two values.
    public init(clientToServer: Value, serverToClient: Value) {
        self.clientToServer = clientToServer
        self.serverToClient = serverToClient
    }

    /// A pair holding `value` twice.
    public init(repeating value: Value) {
        self.clientToServer = value
        self.serverToClient = value
    }

    /// The value for `direction`.
    public subscript(direction: Direction) -> Value {
        get { direction == .clientToServer ? clientToServer : serverToClient }
        set {
            if direction == .clientToServer { clientToServer = newValue } else { serverToClient = newValue }
        }
    }
}

extension DirectionPair: Sendable where Value: Sendable {}
extension DirectionPair: Equatable where Value: Equatable {}
